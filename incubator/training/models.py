"""Capacity-building training: topics, sessions (one by one or as a weekly course), each
organization's roster of people, seats and the waitlist, attendance and the hours it credits.

A session holds its room through booking's occupancy model: its `hold` is a confirmed booking of
the room held for training (`Booking.held_by`), so a session and a booking can never hold one room
at the same time (booking's serialization, and on PostgreSQL its exclusion constraint).

Seats: `seated` on the session counts the seats taken, and a CHECK keeps it within the capacity,
whatever writes it; each sign-up serializes on its session (training.seating), which also keeps
each organization within its share (`per_organization`). One person holds at most one live seat
(seated or waitlisted) of a session: a partial unique index (migration 0017).
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint
from tortoise.models import Model

from incubator.i18n import N_


class Topic(Model):
    """A topic of training (registration and governance, project design…): an extendable list."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=40, unique=True)
    name_zh = fields.CharField(max_length=60)
    name_en = fields.CharField(max_length=80, default="")
    sort = fields.IntField(default=100)
    is_active = fields.BooleanField(default=True)

    class Meta:
        table = "training_topic"
        ordering = ["sort", "id"]
        constraints = [UniqueConstraint(fields=("name_zh",), name="uq_training_topic_name")]

    def display_name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") and self.name_en else self.name_zh


class Audience(StrEnum):
    RESIDENTS = "residents"  # every organization incubating in the park
    STAGES = "stages"  # the park's organizations in the chosen stages
    CHOSEN = "chosen"  # the chosen organizations


AUDIENCE_LABELS = {
    Audience.RESIDENTS: N_("All resident organizations"),
    Audience.STAGES: N_("Organizations in chosen stages"),
    Audience.CHOSEN: N_("Chosen organizations"),
}


class TrainingCourse(Model):
    """Sessions created together (a six-week course): edited as a whole or one session at a time."""

    id = fields.IntField(primary_key=True)
    park: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.Park", related_name="training_courses", on_delete=fields.RESTRICT)
    park_id: int
    title = fields.CharField(max_length=150)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "training_course"


class TrainingSession(Model):
    id = fields.IntField(primary_key=True)
    park: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.Park", related_name="training_sessions", on_delete=fields.RESTRICT)
    park_id: int
    course: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.TrainingCourse", related_name="sessions", null=True, on_delete=fields.RESTRICT)
    course_id: int | None
    topic: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.Topic", related_name="sessions", on_delete=fields.RESTRICT)
    topic_id: int
    title = fields.CharField(max_length=150)
    description = fields.TextField(default="")
    trainer = fields.CharField(max_length=60)
    trainer_organization = fields.CharField(max_length=150, default="")  # external trainers' employer
    trainer_external = fields.BooleanField(default=False)
    space: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.Space", related_name="training_sessions", on_delete=fields.RESTRICT)
    space_id: int
    # The room's occupancy: a confirmed booking held for training (None once the session is cancelled).
    hold: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.Booking", related_name="training_sessions", null=True, on_delete=fields.SET_NULL)
    hold_id: int | None
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    capacity = fields.IntField()
    per_organization = fields.IntField(default=2)  # seats one organization may hold
    seated = fields.IntField(default=0)  # seats taken (kept by training.seating; CHECK ≤ capacity)
    cancel_hours = fields.IntField(default=24)  # a seat given back this long before the start goes on
    audience = fields.CharEnumField(Audience, max_length=12, default=Audience.RESIDENTS)
    audience_stages: fields.JSONField[list] = fields.JSONField(default=list)
    mandatory = fields.BooleanField(default=False)
    credit_minutes = fields.IntField()  # training hours credited to each attendee, in minutes
    cancelled_at = fields.DatetimeField(null=True)
    reminded_at = fields.DatetimeField(null=True)  # those signed up were reminded the day before
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "training_session"
        indexes = [
            Index(fields=["park_id", "starts_at"], name="ix_training_session_park_start"),
            Index(fields=["starts_at"], name="ix_training_session_start"),
            Index(fields=["course_id", "starts_at"], name="ix_training_session_course"),
        ]
        constraints = [
            CheckConstraint(check="starts_at < ends_at", name="ck_training_session_times"),
            CheckConstraint(check="capacity > 0 AND per_organization > 0 AND seated >= 0 AND seated <= capacity",
                            name="ck_training_session_seats"),
            CheckConstraint(check="credit_minutes >= 0 AND cancel_hours >= 0", name="ck_training_session_credit"),
        ]

    @property
    def credit_hours(self) -> str:
        return hours_text(self.credit_minutes)


def hours_text(minutes: int) -> str:
    """Hours as people write them: 3, 1.5, 2.25."""
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


class SessionAudience(Model):
    """An organization chosen for a session whose audience is "chosen organizations"."""

    id = fields.IntField(primary_key=True)
    session: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.TrainingSession", related_name="chosen", on_delete=fields.CASCADE)
    session_id: int
    organization: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.Organization", related_name="training_invitations", on_delete=fields.CASCADE)
    organization_id: int

    class Meta:
        table = "training_session_audience"
        unique_together = (("session", "organization"),)


class PersonRole(StrEnum):
    STAFF = "staff"
    VOLUNTEER = "volunteer"
    BOARD = "board"


PERSON_ROLE_LABELS = {
    PersonRole.STAFF: N_("Staff"),
    PersonRole.VOLUNTEER: N_("Volunteer"),
    PersonRole.BOARD: N_("Board member"),
}


class Person(Model):
    """One of an organization's people (staff, volunteers), whom its members sign up for training."""

    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.Organization", related_name="people", on_delete=fields.CASCADE)
    organization_id: int
    name = fields.CharField(max_length=60)
    phone = fields.CharField(max_length=11, default="")
    role = fields.CharEnumField(PersonRole, max_length=12, default=PersonRole.STAFF)
    is_active = fields.BooleanField(default=True)  # left the organization: kept for their hours
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "training_person"
        indexes = [Index(fields=["organization_id", "name"], name="ix_training_person_organization")]


class SeatStatus(StrEnum):
    SEATED = "seated"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


SEAT_STATUS_LABELS = {
    SeatStatus.SEATED: N_("Seated"),
    SeatStatus.WAITLISTED: N_("Waitlisted"),
    SeatStatus.CANCELLED: N_("Cancelled"),
}
LIVE_STATUSES = (SeatStatus.SEATED, SeatStatus.WAITLISTED)


class Attendance(StrEnum):
    UNMARKED = ""
    PRESENT = "present"
    LATE = "late"
    ABSENT = "absent"


ATTENDANCE_LABELS = {
    Attendance.UNMARKED: N_("Not marked"),
    Attendance.PRESENT: N_("Present"),
    Attendance.LATE: N_("Late"),
    Attendance.ABSENT: N_("Absent"),
}
ATTENDED = (Attendance.PRESENT, Attendance.LATE)  # both credit the session's hours


class Seat(Model):
    """A person signed up for a session: seated, or on its waitlist, or given back."""

    id = fields.IntField(primary_key=True)
    session: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.TrainingSession", related_name="seats", on_delete=fields.RESTRICT)
    session_id: int
    person: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.Person", related_name="seats", on_delete=fields.RESTRICT)
    person_id: int
    organization: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.Organization", related_name="training_seats", on_delete=fields.RESTRICT)
    organization_id: int
    signed_up_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.User", related_name="training_seats", null=True, on_delete=fields.SET_NULL)
    signed_up_by_id: int | None
    status = fields.CharEnumField(SeatStatus, max_length=12)
    signed_up_at = fields.DatetimeField()  # the waitlist's order within a share
    seated_at = fields.DatetimeField(null=True)
    cancelled_at = fields.DatetimeField(null=True)
    attendance = fields.CharEnumField(Attendance, max_length=8, default=Attendance.UNMARKED)
    checked_in_at = fields.DatetimeField(null=True)
    credit_minutes = fields.IntField(default=0)  # credited when marked present or late

    class Meta:
        table = "training_seat"
        indexes = [
            Index(fields=["session_id", "status", "signed_up_at"], name="ix_training_seat_session"),
            Index(fields=["organization_id", "session_id"], name="ix_training_seat_organization"),
            Index(fields=["person_id"], name="ix_training_seat_person"),
        ]
        constraints = [
            CheckConstraint(check="credit_minutes >= 0", name="ck_training_seat_credit"),
        ]


class TrainingSettings(Model):
    """A park's training settings: the hours an organization must have attended to graduate."""

    id = fields.IntField(primary_key=True)
    park: fields.OneToOneRelation = fields.OneToOneField(
        "incubator.Park", related_name="training_settings", on_delete=fields.CASCADE)
    park_id: int
    min_hours = fields.IntField(default=0)  # 0: no minimum
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "training_settings"
        constraints = [CheckConstraint(check="min_hours >= 0", name="ck_training_settings_hours")]


class Feedback(Model):
    """An attendee's rating of a session (1–5) and comment, given by their organization's member."""

    id = fields.IntField(primary_key=True)
    seat: fields.OneToOneRelation = fields.OneToOneField(
        "incubator.Seat", related_name="feedback", on_delete=fields.CASCADE)
    seat_id: int
    session: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.TrainingSession", related_name="feedback", on_delete=fields.CASCADE)
    session_id: int
    rating = fields.IntField()
    comment = fields.CharField(max_length=500, default="")
    given_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.User", related_name="training_feedback", null=True, on_delete=fields.SET_NULL)
    given_by_id: int | None
    at = fields.DatetimeField()

    class Meta:
        table = "training_feedback"
        indexes = [Index(fields=["session_id"], name="ix_training_feedback_session")]
        constraints = [CheckConstraint(check="rating BETWEEN 1 AND 5", name="ck_training_feedback_rating")]


class TrainingFeed(Model):
    """The secret of a user's training calendar feed (its address), once reset: until then derived."""

    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation = fields.OneToOneField(
        "incubator.User", related_name="training_feed", on_delete=fields.CASCADE)
    user_id: int
    token = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "training_feed"


class Material(Model):
    """A file for a session (slides, handouts), stored through the checked upload path: whoever sees
    the session downloads it."""

    id = fields.IntField(primary_key=True)
    session: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.TrainingSession", related_name="materials", on_delete=fields.CASCADE)
    session_id: int
    title = fields.CharField(max_length=150)
    filename = fields.CharField(max_length=200)
    content_type = fields.CharField(max_length=100)
    size = fields.IntField()
    sha256 = fields.CharField(max_length=64)
    storage_name = fields.CharField(max_length=80, unique=True)
    uploaded_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.User", related_name="training_materials", null=True, on_delete=fields.SET_NULL)
    uploaded_by_id: int | None
    uploaded_at = fields.DatetimeField()

    class Meta:
        table = "training_material"
        indexes = [Index(fields=["session_id"], name="ix_training_material_session")]
