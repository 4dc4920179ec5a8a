"""Accounts: sign-up, signing devices in and out (`services`)."""
