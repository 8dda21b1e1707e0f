"""Funds and the double-entry ledger: services (writes), selectors (reads) and the ledger check.

The models and the meaning of every account are in brokerage/models/funds.py.
"""
