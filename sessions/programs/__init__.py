"""Programs: assigning one (`services`), following one and the trainer's list (`selectors`)."""
