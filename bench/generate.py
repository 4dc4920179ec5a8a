#!/usr/bin/env python3
"""Fill a database with realistic StretchAPI data, for benchmarks and analytics.

    DJANGO_SETTINGS_MODULE=stretchapi.settings.production DATABASE_URL=postgres://… \\
        python bench/generate.py --clients 3000 --holds 1000000 --seed 1

Needs a migrated database with the catalog loaded (`manage.py load_catalog`).
It adds, in one transaction:

- clients and a few dozen trainers (`@bench.example` addresses that carry the
  seed), all with one password, `BENCH_PASSWORD`, hashed once;
- consent links: most clients follow one trainer, a few ended a link or follow two;
- ~18 months of sessions (`--months`) up to `--until`: goals, partners and
  trainers as assistants, 4–40 holds each, made of real catalog exercises with
  a dose for the session's goal (now and then one without, which flags the
  hold `outside_dose`): left/right pairs for per-side exercises, `both`
  otherwise; PNF phase seconds for PNF exercises, now and then one outside
  the protocol; intensities mostly inside the goal's target window
  (`catalog.rules.target_intensity`), a few above its ceiling; pain ratings
  now and then;
- stop events in ~1.5 % of sessions (`--stop-rate`; a stop that ended the
  session ends its holds there: none starts after it), and some flexibility
  measurements;
- the safety flags of each hold and session and their alerts, judged by the
  same rule functions as the upload service's (`sessions.rules.safety` over a
  snapshot of the catalog: no threshold of its own); older alerts mostly
  acknowledged by the trainer.

Rows go in with PostgreSQL's `COPY … FROM STDIN` (psycopg 3), or batched
`executemany` inserts elsewhere (SQLite). Those write the generated
timestamps as they are, where `bulk_create` would let `auto_now_add` replace
them with the time of the run. Every row meets the models' database
constraints: the database checks them. The same seed, `--until` and sizes on
the same starting database give the same rows.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import itertools
import os
import random
import sys
import time
from collections import namedtuple
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
BENCH_PASSWORD = "bench-Stretch-2026"  # noqa: S105 -- every generated user's, public on purpose
EMAIL_DOMAIN = "bench.example"

HOLDS_PER_SESSION = (4, 40)
MAX_SESSION_MINUTES = 120
DEFAULT_REST_SECONDS = 15
SESSIONS_PER_CHUNK = 5_000  # generated, then written, a chunk at a time: memory stays flat

GOALS = {  # share of sessions per goal
    "general_flexibility": 45,
    "mobility_warm_up": 25,
    "post_workout_recovery": 20,
    "rehab_control": 10,
}
PARTNERS = ["Sam", "Alex", "Jo", "Maria", "Chris", "Noor", "Kim", "Lee", "Ana", "Tom"]
APP_VERSIONS = ["1.2.0", "1.3.1", "1.4.0", "1.4.2"]
OTHER_STOP_NOTES = ["Felt light-headed and sat down.", "Old knee injury flared up.", "Sudden cramp in the foot."]
ACK_NOTES = ["", "", "Talked it through with the client.", "Lowered the dose for next week."]


# A snapshot of the catalog: what generating holds needs, under the models' attribute names, so
# that the rules (`catalog.rules`, `sessions.rules.safety`) judge these as they judge model rows.


@dataclass(frozen=True)
class Dose:
    holds_per_side_min: int
    holds_per_side_max: int
    hold_seconds_min: int
    hold_seconds_max: int
    rest_seconds: int
    intensity_cap: int


@dataclass(frozen=True)
class PnfProtocol:
    contract_seconds_min: int
    contract_seconds_max: int
    relax_seconds_min: int
    relax_seconds_max: int
    assisted_hold_seconds_min: int
    assisted_hold_seconds_max: int
    rest_seconds: int


@dataclass(frozen=True)
class StopSign:
    id: int
    severity: str


@dataclass(frozen=True)
class CatalogExercise:
    """What generating and judging holds needs to know of one exercise."""

    id: int
    slug: str
    per_side: bool
    target_intensity_min: int
    target_intensity_max: int
    doses: dict[str, Dose]
    is_pnf: bool
    pnf: PnfProtocol | None
    stop_signs: tuple[StopSign, ...]


@dataclass
class Report:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    vendor: str = ""

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    def __str__(self) -> str:
        lines = [f"  {table:<14}{count:>12,}" for table, count in self.rows.items()]
        rate = self.total / self.seconds if self.seconds else 0
        return "\n".join(
            [
                *lines,
                f"  {'total':<14}{self.total:>12,} rows in {self.seconds:.1f} s ({rate:,.0f} rows/s, {self.vendor})",
            ]
        )


# Writing rows ----------------------------------------------------------------------


class RowWriter:
    """Appends rows of one model in the order of `columns`, with COPY on PostgreSQL."""

    SQLITE_BATCH = 5_000
    PLAIN = (int, str, bool, type(None))

    def __init__(self, connection):
        self.connection = connection

    def write(self, model, columns: list[str], rows: Iterable[tuple]) -> int:
        fields = {f.column: f for f in model._meta.concrete_fields}
        unknown = set(columns) - set(fields)
        if unknown:
            raise ValueError(f"{model.__name__} has no column(s) {sorted(unknown)}")
        quote = self.connection.ops.quote_name
        table, names = quote(model._meta.db_table), ", ".join(quote(c) for c in columns)
        count = 0
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                # Table and column names come from the models, not from input.
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
                return count
            prepare = [fields[c].get_db_prep_save for c in columns]
            sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
            rows = iter(rows)
            while batch := list(itertools.islice(rows, self.SQLITE_BATCH)):
                cursor.executemany(
                    sql, [[self._adapt(p, v) for p, v in zip(prepare, row, strict=True)] for row in batch]
                )
                count += len(batch)
        return count

    def _adapt(self, prepare, value):
        """The field's own conversion, for the values the driver cannot take as they are (UUIDs, datetimes)."""
        return value if type(value) in self.PLAIN else prepare(value, connection=self.connection)


# The catalog ------------------------------------------------------------------------


def load_catalog_exercises() -> list[CatalogExercise]:
    from catalog.models import Exercise

    exercises = []
    for e in (
        Exercise.objects.filter(retired_at__isnull=True)
        .select_related("pnf")
        .prefetch_related("doses", "stop_signs")
        .order_by("slug")
    ):
        pnf = getattr(e, "pnf", None) if e.is_pnf else None
        exercises.append(
            CatalogExercise(
                id=e.pk,
                slug=e.slug,
                per_side=e.laterality == "per_side",
                target_intensity_min=e.target_intensity_min,
                target_intensity_max=e.target_intensity_max,
                doses={d.goal: Dose(**_fields(d, Dose)) for d in e.doses.all()},
                is_pnf=e.is_pnf,
                pnf=None if pnf is None else PnfProtocol(**_fields(pnf, PnfProtocol)),
                stop_signs=tuple(sorted((StopSign(s.pk, s.severity) for s in e.stop_signs.all()), key=lambda s: s.id)),
            )
        )
    if not exercises:
        raise SystemExit("generate: the catalog is empty; run `python manage.py load_catalog` first.")
    return exercises


def _fields(instance, snapshot) -> dict:
    """The attributes of a model instance that a snapshot dataclass keeps."""
    return {name: getattr(instance, name) for name in snapshot.__dataclass_fields__}


# Generating -------------------------------------------------------------------------

USER_COLUMNS = [
    "id", "password", "is_superuser", "email", "display_name", "role", "is_active", "is_staff", "date_joined",
]  # fmt: skip
LINK_COLUMNS = ["trainer_id", "client_id", "created_at", "ended_at"]
SESSION_COLUMNS = [
    "id", "owner_id", "assisted_by", "assisting_trainer_id", "partner_name", "started_at", "ended_at", "goal",
    "outcome", "notes", "app_version", "content_hash", "version", "has_stop_event", "holds_above_target",
    "holds_outside_dose", "max_pain", "created_at", "updated_at", "deleted_at",
]  # fmt: skip
HOLD_COLUMNS = [
    "id", "session_id", "exercise_id", "side", "position", "set_number", "target_seconds", "held_seconds",
    "intensity", "pain", "contract_seconds", "relax_seconds", "assisted_hold_seconds", "started_at", "above_target",
    "outside_dose", "outside_dose_phases",
]  # fmt: skip
STOP_COLUMNS = ["id", "session_id", "hold_id", "stop_sign_id", "side", "occurred_at", "pain", "action", "note"]
MEASUREMENT_COLUMNS = ["id", "session_id", "kind", "side", "value", "unit", "zero_offset_cm", "measured_at"]
ALERT_COLUMNS = [
    "client_id", "session_id", "kind", "hold_id", "stop_event_id", "occurred_at", "created_at", "acknowledged_at",
    "acknowledged_by_id", "note",
]  # fmt: skip
# Rows as tuples in their columns' order (what COPY and executemany take), with the columns' names as
# attributes: what the rules read of a hold (`above_target`, `outside_dose`, `pain`) or a stop event.
HoldRow = namedtuple("HoldRow", HOLD_COLUMNS)
StopRow = namedtuple("StopRow", STOP_COLUMNS)
PNF_OUTSIDE_RATE = 0.03  # share of PNF phases timed outside the protocol


@dataclass
class Client:
    id: int
    joined_at: datetime
    trainer_id: int | None
    activity: float
    main_goal: str
    reach_cm: float  # sit-and-reach baseline
    leg_raise_degrees: float  # straight-leg raise baseline


@dataclass
class Chunk:
    sessions: list[tuple] = field(default_factory=list)
    holds: list[tuple] = field(default_factory=list)
    stop_events: list[tuple] = field(default_factory=list)
    measurements: list[tuple] = field(default_factory=list)
    alerts: list[tuple] = field(default_factory=list)


class Generator:
    """Draws every value from one seeded random source, in a fixed order."""

    def __init__(self, *, seed: int, until: datetime, months: int, stop_rate: float, exercises: list[CatalogExercise]):
        self.rng = random.Random(seed)
        self.seed = seed
        self.until = until
        self.since = until - timedelta(days=round(months * 30.44))
        self.stop_rate = stop_rate
        self.exercises = exercises
        self.by_goal = {goal: [e for e in exercises if goal in e.doses] for goal in GOALS}
        self.goals, self.goal_weights = list(GOALS), list(GOALS.values())
        self.by_id = {e.id: e for e in exercises}
        self.signs = {sign.id: sign for e in exercises for sign in e.stop_signs}
        # The rules judge every row as the upload service does; imported here, once Django is set up.
        from catalog import rules as catalog_rules
        from sessions.rules import records, safety

        self.catalog_rules, self.records, self.safety = catalog_rules, records, safety
        # The rules' verdicts, memoised on everything they read (they are pure functions of it):
        # a million holds take a few thousand distinct verdicts.
        self.hold_verdicts: dict[tuple, tuple[bool, bool, str]] = {}
        self.hold_alerts: dict[tuple, tuple[str, ...]] = {}

    def uuid(self) -> str:
        """A random (version 4) UUID as 32 hex digits: what PostgreSQL's COPY and Django's SQLite columns take."""
        bits = self.rng.getrandbits(128) & ~(0xF000 << 64) & ~(0xC000 << 48) | (0x4000 << 64) | (0x8000 << 48)
        return f"{bits:032x}"

    def between(self, low: int, high: int) -> int:
        """A whole number in [low, high]; `Random.randint` costs three times as much, a million times over."""
        return low + int(self.rng.random() * (high - low + 1))

    def moment(self, start: datetime, end: datetime) -> datetime:
        seconds = max(0, int((end - start).total_seconds()))
        return start + timedelta(seconds=self.between(0, seconds))

    # People

    def users(self, *, first_id: int, clients: int, trainers: int, password: str) -> tuple[list[tuple], list[Client]]:
        rng, rows = self.rng, []
        trainer_ids = list(range(first_id, first_id + trainers))
        for n, pk in enumerate(trainer_ids, 1):
            joined = self.moment(self.since - timedelta(days=180), self.since)
            email = f"trainer{n:03d}.s{self.seed}@{EMAIL_DOMAIN}"
            rows.append((pk, password, False, email, f"Trainer {n}", "trainer", True, True, joined))
        # Trainers draw clients unevenly: a few have two or three times as many as most.
        popularity = list(itertools.accumulate(rng.lognormvariate(0, 0.5) for _ in trainer_ids))
        people = []
        for n in range(1, clients + 1):
            pk = first_id + trainers + n - 1
            joined = self.moment(self.since, self.until - timedelta(days=1))
            has_trainer = trainers and rng.random() < 0.85
            trainer = trainer_ids[bisect.bisect(popularity, rng.random() * popularity[-1])] if has_trainer else None
            people.append(
                Client(
                    id=pk,
                    joined_at=joined,
                    trainer_id=trainer,
                    activity=rng.lognormvariate(0, 0.8),
                    main_goal=rng.choices(self.goals, self.goal_weights)[0],
                    reach_cm=rng.gauss(2, 8),
                    leg_raise_degrees=rng.gauss(68, 10),
                )
            )
            email = f"client{n:05d}.s{self.seed}@{EMAIL_DOMAIN}"
            rows.append((pk, password, False, email, f"Client {n}", "client", True, False, joined))
        return rows, people

    def links(self, people: list[Client], trainer_ids: list[int]) -> list[tuple]:
        rng, rows = self.rng, []
        for client in people:
            if client.trainer_id is not None:
                created = self.moment(client.joined_at, min(client.joined_at + timedelta(days=30), self.until))
                rows.append((client.trainer_id, client.id, created, None))
            others = [t for t in trainer_ids if t != client.trainer_id]
            if others and rng.random() < 0.05:  # an earlier trainer, link since ended
                ended = self.moment(client.joined_at, self.until)
                rows.append((rng.choice(others), client.id, self.moment(client.joined_at, ended), ended))
            elif others and client.trainer_id is not None and rng.random() < 0.03:  # a second, current trainer
                rows.append((rng.choice(others), client.id, self.moment(client.joined_at, self.until), None))
        return rows

    # Sessions

    def holds_budget(self, people: list[Client], holds: int) -> list[float]:
        """Each client's share of the holds: activity × days since joining."""
        weights = [c.activity * max(1.0, (self.until - c.joined_at).days) for c in people]
        total = sum(weights)
        return [holds * w / total for w in weights]

    def chunks(self, people: list[Client], holds: int) -> Iterator[Chunk]:
        chunk, used, wanted = Chunk(), 0, 0.0
        for client, budget in zip(people, self.holds_budget(people, holds), strict=True):
            wanted += budget
            starts = []
            while used + sum(n for _, n in starts) + HOLDS_PER_SESSION[0] <= wanted:
                n = min(self.session_size(), HOLDS_PER_SESSION[1])
                starts.append((self.moment(client.joined_at, self.until - timedelta(minutes=MAX_SESSION_MINUTES)), n))
            for started, n in sorted(starts):
                used += self.session(chunk, client, started, n)
                if len(chunk.sessions) >= SESSIONS_PER_CHUNK:
                    yield chunk
                    chunk = Chunk()
        if chunk.sessions:
            yield chunk

    def session_size(self) -> int:
        """4–40 holds, most sessions a dozen or two."""
        return max(HOLDS_PER_SESSION[0], min(HOLDS_PER_SESSION[1], round(self.rng.triangular(4, 40, 12))))

    def session(self, chunk: Chunk, client: Client, started: datetime, size: int) -> int:
        """Append one session with its rows to `chunk`; return its number of holds."""
        rng = self.rng
        session_id = self.uuid()
        goal = client.main_goal if rng.random() < 0.7 else rng.choices(self.goals, self.goal_weights)[0]
        assisted_by, partner, trainer = "self", "", None
        roll = rng.random()
        if client.trainer_id is not None and roll < 0.15:
            assisted_by, trainer = "trainer", client.trainer_id
        elif roll < 0.6:
            assisted_by, partner = "partner", rng.choice(PARTNERS)

        # Holds: exercise blocks until the session's size is reached.
        holds: list[HoldRow] = []
        clock = started + timedelta(seconds=self.between(30, 180))
        while len(holds) < size:
            room = size - len(holds)
            exercise = rng.choice(self.by_goal[goal]) if rng.random() > 0.03 else rng.choice(self.exercises)
            dose = exercise.doses.get(goal)
            low, high = (dose.holds_per_side_min, dose.holds_per_side_max) if dose else (1, 3)
            reps = self.between(low, high)
            if exercise.per_side:
                reps = min(reps, room // 2)
                if reps == 0:
                    if len(holds) >= HOLDS_PER_SESSION[0]:
                        break
                    reps = 1  # one pair more than planned: fewer than 4 holds is not a session
                sides = [side for _ in range(reps) for side in ("left", "right")]
                sets = [rep for rep in range(1, reps + 1) for _ in range(2)]
            else:
                reps = min(reps, room)
                sides, sets = ["both"] * reps, list(range(1, reps + 1))
            target = self.between(dose.hold_seconds_min, dose.hold_seconds_max) if dose else None
            intensities = (
                self.catalog_rules.target_intensity(exercise, dose),
                self.catalog_rules.intensity_ceiling(exercise, dose),
            )
            for side, set_number in zip(sides, sets, strict=True):
                clock, row = self.hold(
                    session_id, exercise, dose, goal, intensities, target, side, set_number, len(holds) + 1, clock
                )
                holds.append(row)

        # A stop event, rarely; one that stopped the session ends its holds: the stopped hold is the last.
        events, outcome = [], "completed"
        if rng.random() < self.stop_rate:
            action = rng.choices(["stopped_session", "eased_off", "continued"], [50, 35, 15])[0]
            index = rng.randrange(HOLDS_PER_SESSION[0] - 1 if action == "stopped_session" else 0, len(holds))
            hold = holds[index]
            exercise = self.by_id[hold.exercise_id]
            if action == "stopped_session":
                del holds[index + 1 :]
                outcome = "stopped_early"
            sign = rng.choice(exercise.stop_signs) if exercise.stop_signs and rng.random() < 0.92 else None
            occurred = hold.started_at + timedelta(seconds=self.between(1, hold.held_seconds))  # after it started
            pain = self.between(2, 9) if rng.random() < 0.8 else None
            note = rng.choice(OTHER_STOP_NOTES) if sign is None else ""
            side = hold.side if hold.side != "both" else ""
            event_id = self.uuid()
            events.append(
                StopRow(event_id, session_id, hold.id, sign.id if sign else None, side, occurred, pain, action, note)
            )
            self.check_no_hold_after_stop(holds, events)

        last = holds[-1]
        ended = last.started_at + timedelta(seconds=last.held_seconds + self.between(30, 300))
        uploaded = min(ended + timedelta(seconds=int(rng.expovariate(1 / 120)) + 2), self.until)
        deleted = self.moment(uploaded, self.until) if rng.random() < 0.003 else None

        # Measurements now and then, improving slowly with practice.
        measurements = []
        if rng.random() < 0.12:
            measured = self.moment(max(started, ended - timedelta(minutes=5)), ended)
            days = (started - client.joined_at).days
            raise_degrees = client.leg_raise_degrees + 0.03 * days
            for side in ("left", "right"):
                value = min(180.0, max(0.0, rng.gauss(raise_degrees, 3)))
                measurements.append(
                    (self.uuid(), session_id, "straight_leg_raise", side, _tenths(value), "deg", None, measured)
                )
            if rng.random() < 0.4:
                value = min(100.0, max(-100.0, rng.gauss(client.reach_cm + 0.01 * days, 1.5)))
                offset = Decimal("23.0") if rng.random() < 0.5 else None
                measurements.append(
                    (self.uuid(), session_id, "sit_and_reach", "", _tenths(value), "cm", offset, measured)
                )

        # Flags and counters, by the rule the upload service applies.
        flags = self.safety.session_flags(holds=holds, stop_events=events)
        chunk.sessions.append(
            (
                session_id, client.id, assisted_by, trainer, partner, started, ended, goal, outcome,
                "", rng.choice(APP_VERSIONS), hashlib.sha256(session_id.encode()).hexdigest(),
                2 if deleted else 1, flags.has_stop_event, flags.holds_above_target, flags.holds_outside_dose,
                flags.max_pain, uploaded, deleted or uploaded, deleted,
            )
        )  # fmt: skip
        chunk.holds.extend(holds)
        chunk.stop_events.extend(events)
        chunk.measurements.extend(measurements)

        # Alerts, as the upload raises them (the rules say which); the trainer acknowledged most older ones.
        def alert(kind: str, hold_id, event_id, occurred: datetime) -> None:
            acknowledged, by, note = None, None, ""
            recent = occurred > self.until - timedelta(days=7)
            if client.trainer_id is not None and rng.random() < (0.2 if recent else 0.9):
                acknowledged = self.moment(occurred + timedelta(hours=1), occurred + timedelta(days=3))
                acknowledged = min(max(acknowledged, uploaded), self.until)
                by, note = client.trainer_id, rng.choice(ACK_NOTES)
            row = (client.id, session_id, str(kind), hold_id, event_id, occurred, uploaded, acknowledged, by, note)
            chunk.alerts.append(row)

        for event in events:
            judged = SimpleNamespace(
                pain=event.pain,
                action=event.action,
                stop_sign=None if event.stop_sign_id is None else self.signs[event.stop_sign_id],
            )
            for kind in self.safety.stop_event_alert_kinds(judged):
                alert(kind, None, event.id, event.occurred_at)
        hold_alerts = self.hold_alerts
        for h in holds:
            kinds = hold_alerts.get((h.above_target, h.pain))
            if kinds is None:  # the rule reads a judged hold's `above_target` and `pain`
                kinds = hold_alerts[h.above_target, h.pain] = tuple(map(str, self.safety.hold_alert_kinds(h)))
            for kind in kinds:
                alert(kind, h.id, None, h.started_at)
        return len(holds)

    def check_no_hold_after_stop(self, holds: list[HoldRow], events: list[StopRow]) -> None:
        """The record rules' check that no hold follows a `stopped_session` event: a generated session that
        the upload would refuse is a bug of this generator."""
        problems: dict = {}
        index = {hold.id: i for i, hold in enumerate(holds)}
        self.records.check_holds_after_stop(
            problems,
            [{"started_at": hold.started_at} for hold in holds],
            [{"action": e.action, "occurred_at": e.occurred_at, "hold_index": index.get(e.hold_id)} for e in events],
        )
        if problems:
            raise AssertionError(f"generate: a session the upload would refuse: {problems}")

    def phase(self, low: int, high: int) -> int:
        """A PNF phase's seconds: inside the protocol's [low, high], now and then a little outside it."""
        seconds = self.between(low, high)
        if self.rng.random() < PNF_OUTSIDE_RATE:
            seconds = max(1, low - self.between(1, 3)) if self.rng.random() < 0.5 else high + self.between(1, 5)
        return seconds

    def judge_hold(self, exercise: CatalogExercise, dose: Dose | None, intensity, held, contract, relax, assisted):
        """The rules' flags of a hold: (above target, outside the dose, the PNF phases outside the protocol)."""
        safety = self.safety
        phases = safety.pnf_phases_outside(
            exercise, {"contract_seconds": contract, "relax_seconds": relax, "assisted_hold_seconds": assisted}
        )
        return (
            safety.hold_above_target(exercise=exercise, dose=dose, intensity=intensity),
            safety.hold_outside_dose(dose=dose, held_seconds=held, pnf_outside=phases),
            ",".join(phases),
        )

    def hold(self, session_id, exercise: CatalogExercise, dose: Dose | None, goal: str, intensities, target, side,
             set_number, position, clock):  # fmt: skip
        """One hold row starting at `clock`, judged by the rules, and when the next may start.

        `intensities` is the goal's ((min, max) target window, ceiling) for the exercise."""
        rng = self.rng
        contract = relax = assisted = None
        if exercise.pnf is not None:
            pnf = exercise.pnf
            contract = self.phase(pnf.contract_seconds_min, pnf.contract_seconds_max)
            relax = self.phase(pnf.relax_seconds_min, pnf.relax_seconds_max)
            assisted = self.phase(pnf.assisted_hold_seconds_min, pnf.assisted_hold_seconds_max)
            held, rest = assisted, pnf.rest_seconds
        else:
            rest = dose.rest_seconds if dose else DEFAULT_REST_SECONDS
            held = target if target is not None else self.between(15, 45)
            if rng.random() < 0.08:  # cut short, or held on
                held = max(1, held - self.between(1, 8)) if rng.random() < 0.6 else min(600, held + self.between(1, 15))
        (low, high), ceiling = intensities
        roll = rng.random()
        if roll < 0.04:
            intensity = min(10, ceiling + rng.choice((1, 1, 2)))
        elif roll < 0.10:
            intensity = max(0, low - 1)
        else:
            intensity = self.between(low, high)
        roll = rng.random()
        pain = rng.choice((0, 1, 1, 2, 2, 3, 4)) if roll < 0.06 else self.between(5, 9) if roll < 0.064 else None
        key = (exercise.id, goal, intensity, held, contract, relax, assisted)  # all the rules read (the dose: goal)
        verdict = self.hold_verdicts.get(key)
        if verdict is None:
            verdict = self.hold_verdicts[key] = self.judge_hold(
                exercise, dose, intensity, held, contract, relax, assisted
            )
        row = HoldRow._make((
            self.uuid(), session_id, exercise.id, side, position, set_number,
            target if rng.random() < 0.6 else None, held, intensity, pain, contract, relax, assisted, clock, *verdict,
        ))  # fmt: skip
        spent = held + (contract or 0) + (relax or 0) + rest + self.between(0, 10)
        return clock + timedelta(seconds=spent), row


def _tenths(value: float) -> Decimal:
    return Decimal(f"{value:.1f}")


# Running ---------------------------------------------------------------------------


def generate(
    *,
    clients: int,
    holds: int,
    trainers: int = 40,
    seed: int = 1,
    months: int = 18,
    until: datetime | None = None,
    stop_rate: float = 0.015,
    out=sys.stdout,
) -> Report:
    """Add the generated rows in one transaction and return how many went where, and how fast."""
    from django.contrib.auth.hashers import make_password
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.db.models import Max

    from sessions.models import Alert, Hold, Measurement, StopEvent, StretchSession, TrainerLink, User

    if clients < 1 or holds < 0 or trainers < 0:
        raise ValueError("--clients must be at least 1; --holds and --trainers may not be negative.")
    until = until or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if User.objects.filter(email__endswith=f".s{seed}@{EMAIL_DOMAIN}").exists():
        raise SystemExit(f"generate: this database already holds data generated with seed {seed}; pick another.")

    begun = time.perf_counter()
    report = Report(vendor=connection.vendor)
    exercises = load_catalog_exercises()
    generator = Generator(seed=seed, until=until, months=months, stop_rate=stop_rate, exercises=exercises)
    # One hash for everyone, salted by the seed so that the rows stay the same for a seed.
    salt = hashlib.sha256(f"bench-{seed}".encode()).hexdigest()[:22]
    password = make_password(BENCH_PASSWORD, salt=salt)
    writer = RowWriter(connection)

    def write(model, columns, rows) -> None:
        name = model._meta.model_name
        report.rows[name] = report.rows.get(name, 0) + writer.write(model, columns, rows)

    with transaction.atomic():
        first_id = (User.objects.aggregate(last=Max("id"))["last"] or 0) + 1
        user_rows, people = generator.users(first_id=first_id, clients=clients, trainers=trainers, password=password)
        write(User, USER_COLUMNS, user_rows)
        trainer_ids = list(range(first_id, first_id + trainers))
        write(TrainerLink, LINK_COLUMNS, generator.links(people, trainer_ids))
        for chunk in generator.chunks(people, holds):
            write(StretchSession, SESSION_COLUMNS, chunk.sessions)
            write(Hold, HOLD_COLUMNS, chunk.holds)
            write(StopEvent, STOP_COLUMNS, chunk.stop_events)
            write(Measurement, MEASUREMENT_COLUMNS, chunk.measurements)
            write(Alert, ALERT_COLUMNS, chunk.alerts)
            print(f"  … {report.rows.get('hold', 0):,} holds", file=out, flush=True)
        with connection.cursor() as cursor:  # explicit ids were given: move the id sequence past them
            for statement in connection.ops.sequence_reset_sql(no_style(), [User]):
                cursor.execute(statement)
    if connection.vendor == "postgresql" and connection.get_autocommit():
        # Fresh planner statistics and visibility maps for the new rows, now rather than when
        # autovacuum would get to them (in the middle of whatever runs next).
        with connection.cursor() as cursor:
            for model in (User, TrainerLink, StretchSession, Hold, StopEvent, Measurement, Alert):
                cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")
    report.seconds = time.perf_counter() - begun
    return report


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=3000, help="client accounts (default 3000)")
    parser.add_argument("--holds", type=int, default=1_000_000, help="holds in all (default 1 000 000)")
    parser.add_argument("--trainers", type=int, default=40, help="trainer accounts (default 40)")
    parser.add_argument("--seed", type=int, default=1, help="random seed; it is part of the generated addresses")
    parser.add_argument("--months", type=int, default=18, help="how far back sessions go (default 18)")
    parser.add_argument(
        "--until",
        type=lambda s: datetime.fromisoformat(s).astimezone(UTC),
        help="latest moment of the data, ISO 8601 (default: today 00:00 UTC)",
    )
    parser.add_argument("--stop-rate", type=float, default=0.015, help="share of sessions with a stop event")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stretchapi.settings.local")
    import django

    django.setup()
    print(f"generate: {args.clients:,} clients, {args.trainers} trainers, ~{args.holds:,} holds, seed {args.seed}")
    report = generate(
        clients=args.clients,
        holds=args.holds,
        trainers=args.trainers,
        seed=args.seed,
        months=args.months,
        until=args.until,
        stop_rate=args.stop_rate,
    )
    print(report)
    print(f"generate: every user's password is {BENCH_PASSWORD!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
