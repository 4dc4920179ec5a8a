"""The log of stretching sessions: upload, live appends, edits, deletion (`services`) and reads (`selectors`)."""
