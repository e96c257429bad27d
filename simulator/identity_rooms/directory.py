"""The state behind Identity and Rooms: the resource's users and the rooms, with their participants' roles.

Example::

    directory = Directory(world)
    user = directory.create_user()                    # "8:acs:<resourceId>_<guid>"
    room = directory.create_room(participants={user: "Presenter"})
    world.rooms[room.id]                               # [] : connect by roomCallLocator finds the room
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from simulator.world.errors import AcsError

if TYPE_CHECKING:
    from simulator.world.world import World

ROLES = ("Presenter", "Attendee", "Consumer", "Collaborator")
SCOPES = ("chat", "voip", "chat.join", "chat.join.limited", "voip.join")
MAX_ROOM_DAYS = 180
TOKEN_MINUTES = (60, 1440)


@dataclass
class Room:
    id: str
    created_at: datetime
    valid_from: datetime
    valid_until: datetime
    pstn_dial_out_enabled: bool = False
    participants: dict[str, str] = field(default_factory=dict)  # rawId → role

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "createdAt": _iso(self.created_at),
            "validFrom": _iso(self.valid_from),
            "validUntil": _iso(self.valid_until),
            "pstnDialOutEnabled": self.pstn_dial_out_enabled,
        }


class Directory:
    """Users and rooms of one emulator; ``clear`` on reset."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.users: set[str] = set()
        self.rooms: dict[str, Room] = {}

    def clear(self) -> None:
        self.users.clear()
        self.rooms.clear()

    # ----- identity
    def create_user(self) -> str:
        raw_id = f"8:acs:{self.world.config.resource_id}_{uuid.uuid4()}"
        self.users.add(raw_id)
        return raw_id

    def delete_user(self, raw_id: str) -> None:
        self._user(raw_id)
        self.users.discard(raw_id)

    def issue_token(self, raw_id: str, scopes: list[str], minutes: int | None) -> dict[str, str]:
        """A token for ``raw_id`` (an unsigned JWT naming the user, scopes and expiry; ACS signs its own)."""
        self._user(raw_id)
        for scope in scopes:
            if scope not in SCOPES:
                raise AcsError(400, "ValidationError", f"Scope '{scope}' is not valid; use one of {', '.join(SCOPES)}.")
        if not scopes:
            raise AcsError(400, "ValidationError", "At least one scope is required.")
        lifetime = TOKEN_MINUTES[1] if minutes is None else minutes
        if not TOKEN_MINUTES[0] <= lifetime <= TOKEN_MINUTES[1]:
            raise AcsError(400, "ValidationError", "expiresInMinutes must be between 60 and 1440.")
        expires = datetime.now(UTC) + timedelta(minutes=lifetime)
        claims = {"skypeid": raw_id.removeprefix("8:"), "scp": 1792, "resourceId": self.world.config.resource_id}
        claims |= {"scopes": scopes, "exp": int(expires.timestamp()), "jti": secrets.token_hex(8)}
        return {"token": _unsigned_jwt(claims), "expiresOn": _iso(expires)}

    def revoke_tokens(self, raw_id: str) -> None:
        self._user(raw_id)

    def _user(self, raw_id: str) -> None:
        if raw_id not in self.users:
            raise AcsError(404, "IdentityNotFound", f"Identity {raw_id} was not found.")

    # ----- rooms
    def create_room(
        self,
        *,
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
        pstn_dial_out_enabled: bool = False,
        participants: dict[str, str] | None = None,
    ) -> Room:
        now = datetime.now(UTC)
        start = valid_from or now
        room = Room(
            id=str(secrets.randbelow(9 * 10**16) + 10**16),  # real room ids are 17-digit numbers
            created_at=now,
            valid_from=start,
            valid_until=valid_until or start + timedelta(days=MAX_ROOM_DAYS),
            pstn_dial_out_enabled=pstn_dial_out_enabled,
        )
        _check_window(room)
        room.participants = self._roles(participants or {})
        self.rooms[room.id] = room
        self.world.rooms[room.id] = []  # connect by roomCallLocator now finds it; nobody has joined yet
        return room

    def room(self, room_id: str) -> Room:
        found = self.rooms.get(room_id)
        if found is None:
            raise AcsError(404, "UnknownRoom", f"Room {room_id} was not found.")
        return found

    def update_room(self, room_id: str, changes: dict[str, Any]) -> Room:
        room = self.room(room_id)
        updated = Room(
            id=room.id,
            created_at=room.created_at,
            valid_from=changes.get("valid_from") or room.valid_from,
            valid_until=changes.get("valid_until") or room.valid_until,
            pstn_dial_out_enabled=changes.get("pstn_dial_out_enabled", room.pstn_dial_out_enabled),
            participants=room.participants,
        )
        _check_window(updated)
        self.rooms[room_id] = updated
        return updated

    def delete_room(self, room_id: str) -> None:
        self.room(room_id)
        del self.rooms[room_id]
        self.world.rooms.pop(room_id, None)

    def update_participants(self, room_id: str, changes: dict[str, str | None]) -> None:
        """``rawId → role`` adds or updates, ``rawId → None`` removes (JSON merge patch)."""
        room = self.room(room_id)
        added = self._roles({raw: role for raw, role in changes.items() if role is not None})
        for raw_id, role in changes.items():
            if role is None:
                room.participants.pop(raw_id, None)
        room.participants.update(added)

    def _roles(self, participants: dict[str, str]) -> dict[str, str]:
        roles: dict[str, str] = {}
        prefix = f"8:acs:{self.world.config.resource_id}_"
        for raw_id, role in participants.items():
            if not raw_id.startswith(prefix):
                raise AcsError(400, "InvalidParticipant", f"{raw_id} is not a user of this resource.")
            chosen = next((r for r in ROLES if r.lower() == str(role).lower()), None)
            if chosen is None:
                raise AcsError(400, "InvalidRole", f"Role '{role}' is not one of {', '.join(ROLES)}.")
            roles[raw_id] = chosen
        return roles


def _check_window(room: Room) -> None:
    if room.valid_until <= room.valid_from:
        raise AcsError(400, "BadArgument", "validUntil must be later than validFrom.")
    if room.valid_until - room.valid_from > timedelta(days=MAX_ROOM_DAYS):
        raise AcsError(400, "BadArgument", f"A room can be valid for at most {MAX_ROOM_DAYS} days.")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _unsigned_jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."
