"""``cpq lint``: check rulesets (and price books) and report every problem."""
