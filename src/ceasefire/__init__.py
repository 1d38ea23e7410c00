"""ceasefire: agreements as machine-checkable rules, monitored from the evidence."""

__version__ = "0.1.0"
