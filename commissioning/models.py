from commissioning.plans.models import (  # noqa: F401 - the app's models live in its packages
    Commitment,
    Initiative,
    Milestone,
    PlanComment,
    PlanPartner,
    Risk,
    Target,
    TransformationPlan,
)
