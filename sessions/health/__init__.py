"""A client's health flags: recording them (`services`), reading them and the warnings they raise (`selectors`).

A flag is a catalog contraindication the client says they have. The
selectors turn flags into warnings on timer plans (`plan_warnings`, the
catalog's `CATALOG_PLAN_WARNINGS` hook) and into the program items a trainer
may only assign with a stated reason (`sessions.programs.services`).
"""
