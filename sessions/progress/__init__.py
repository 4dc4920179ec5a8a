"""Progress: an exercise's history per side, balance and next step (`selectors`)."""
