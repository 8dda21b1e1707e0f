"""The brokerage app's figures for the local audit (AuditsConfig.ready imports each installed app's `figures`
module): the outcome figures of feedback after a break, defined in brokerage/feedback/figures.py."""

from brokerage.feedback import figures as feedback_figures  # noqa: F401 - registering is the import's effect
