"""The compliance engine: verdicts per (event, provision) and obligations checked for absence.

See :mod:`ceasefire.compliance.engine` for the rules and the order of the vectorised steps.
"""

from .engine import (
    ATTRIBUTION_RULES,
    VERDICTS,
    Evaluation,
    EvaluationPlan,
    Rules,
    attribute,
    evaluate,
    judge_events,
    plan_evaluation,
    provision_zone_ids,
    provision_zones,
)
from .obligations import OBLIGATION_STATUSES
from .provisions import HANDLERS, provision_route

__all__ = [
    "ATTRIBUTION_RULES",
    "HANDLERS",
    "OBLIGATION_STATUSES",
    "VERDICTS",
    "Evaluation",
    "EvaluationPlan",
    "Rules",
    "attribute",
    "evaluate",
    "judge_events",
    "plan_evaluation",
    "provision_route",
    "provision_zone_ids",
    "provision_zones",
]
