"""Background work: the queue's clock (`clock`), which enqueues the periodic tasks named by the
`TASKS_PERIODIC` setting from inside every worker process (`python manage.py worker`).

The queue itself is Django's task framework (django-tasks, database backend: settings `TASKS`);
the tasks live beside what they do (`sessions.notifications.tasks`, `sessions.webhooks.tasks`)."""
