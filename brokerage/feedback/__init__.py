"""Feedback after a break: the outcome questions, the carer's (and the cared-for person's) answers, and the
outcome figures the audit and the provider portal read (selectors.py)."""
