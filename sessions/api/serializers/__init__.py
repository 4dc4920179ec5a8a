"""The sessions API's serializers, one module per concept: accounts, logbook, progress, trainers, programs, health."""
