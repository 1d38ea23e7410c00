"""Alerts: rules kept in the store, evaluated on the findings after every ingest, evaluation
and field report, delivered by e-mail (SMTP) or webhook (JSON POST), each subject at most once
per rule and channel, every attempt in the audit log (see docs/alerts.md).

- :mod:`ceasefire.alerts.kinds`: the rule kinds (:class:`RuleKind`), one handler each;
- :mod:`ceasefire.alerts.channels`: SMTP and webhook, their settings and secrets;
- :mod:`ceasefire.alerts.delivery`: running the rules over a store (:func:`run`,
  :func:`after_write`), adding, listing, removing and testing rules;
- :mod:`ceasefire.store.alerts`: the rules and deliveries as stored (schema version 12).

>>> from ceasefire.store import open_store
>>> store = open_store(":memory:")
>>> rule, already = add_rule(store, "dmz-deaths", "violation",
...     {"zone": "sochi-dmz", "min_deaths": 5}, "webhook", "http://127.0.0.1:9/hook")
>>> rule.describe(), already
('a violation in sochi-dmz with at least 5 deaths -> webhook http://127.0.0.1:9/… #a94bb7e8', 0)
>>> run(store, "example").sent  # nothing found: the store holds no verdicts
0
>>> store.close()
"""

from __future__ import annotations

from ceasefire.alerts.channels import ChannelConfig, SmtpConfig, load_config
from ceasefire.alerts.delivery import (
    AlertSettings,
    Rule,
    RunReport,
    add_rule,
    after_request,
    after_write,
    edit_rule,
    list_rules,
    remove_rule,
    run,
    send_test,
)
from ceasefire.alerts.kinds import HANDLERS, Channel, RuleKind, Subject

__all__ = [
    "HANDLERS",
    "AlertSettings",
    "Channel",
    "ChannelConfig",
    "Rule",
    "RuleKind",
    "RunReport",
    "SmtpConfig",
    "Subject",
    "add_rule",
    "after_request",
    "after_write",
    "edit_rule",
    "list_rules",
    "load_config",
    "remove_rule",
    "run",
    "send_test",
]
