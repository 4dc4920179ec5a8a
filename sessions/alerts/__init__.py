"""Safety alerts: raised with the rows that call for them (`services.alerts_raise`), read by trainers
reason by reason or grouped per session (`selectors`), acknowledged by trainers and staff one by one
(`services.alert_acknowledge`) or a session's at once (`services.alert_group_acknowledge`)."""
