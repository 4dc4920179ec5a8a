"""Accounts: sign-up, signing devices in and out (`services`); the email address rule (`emails`)."""
