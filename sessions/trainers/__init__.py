"""The trainer roster: invitations and consent links (`services`), a trainer's clients (`selectors`).
Who may read whose data is decided in `sessions.access`."""
