"""Logged stretching sessions (holds, stop-events, measurements) live here."""
