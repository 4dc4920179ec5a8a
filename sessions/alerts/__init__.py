"""Safety alerts: raised with the rows that call for them (`services.alerts_raise`), read by trainers
(`selectors`), acknowledged by trainers and staff (`services.alert_acknowledge`)."""
