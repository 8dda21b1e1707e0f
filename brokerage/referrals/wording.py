"""What a referral's state means, in the carer's words: where it is, and what happens next."""

from brokerage.models import Referral

State = Referral.State


def for_carer(referral: Referral) -> dict[str, str]:
    """{"state": a few words, "next": a sentence or two} for the carer's home and referral pages."""
    if referral.state == State.NEW:
        first = (
            "You told us you are at crisis point, so the hub will contact you first."
            if referral.crisis
            else "The hub reads every referral, most urgent first."
        )
        return {"state": "Received", "next": f"{first} Someone will contact you to talk about what would help."}
    if referral.state == State.TRIAGE:
        return {
            "state": "Being looked at",
            "next": "The hub is deciding who is best placed to help you. Someone will contact you soon.",
        }
    if referral.state == State.ASSIGNED:
        name = referral.worker.first_name or "Your worker"
        return {
            "state": "You have a worker",
            "next": f"{name} will contact you to talk about what would help, such as an assessment or a break.",
        }
    if referral.state == State.REDIRECTED:
        return {
            "state": "Passed to another service",
            "next": f"The hub has passed your referral to {referral.redirected_to}, who are better placed to help. "
            "You can ask the hub for help again at any time.",
        }
    return {"state": "Closed", "next": "The hub has closed this referral. You can ask for help again at any time."}
