"""Demo data for `examapp serve --demo`: loaded once, logins returned so they can be printed."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from examapp.auth.models import User
from examapp.auth.service import NewUser, create_user
from examapp.banks.demo import seed_banks
from examapp.contests.demo import seed_contest
from examapp.exams.demo import seed_exam
from examapp.orgs.service import create_unit

log = logging.getLogger(__name__)

DEMO_UNITS = [
    ("TU", "Đảng bộ Khối các cơ quan tỉnh", None, "committee"),
    ("TU-STP", "Đảng bộ Sở Tư pháp", "TU", "grassroots"),
    ("TU-STP-CB1", "Chi bộ Văn phòng Sở", "TU-STP", "cell"),
    ("TU-SGD", "Đảng bộ Sở Giáo dục và Đào tạo", "TU", "grassroots"),
    ("KCN", "Khu công nghiệp Tân Bình", None, "park"),
    ("KCN-ANPHAT", "Công ty TNHH An Phát", "KCN", "company"),
]

DEMO_USERS = [
    ("admin", "Quản trị viên", "admin", "TU", "Quantri#2026"),
    ("trainer", "Nguyễn Thị Lan", "trainer", "TU", "Giangvien#26"),
    ("proctor", "Trần Văn Minh", "proctor", "TU", "Giamthi#2026"),
    ("candidate1", "Lê Hoàng Anh", "candidate", "TU-STP-CB1", "Thisinh#2026a"),
    ("candidate2", "Phạm Thu Hà", "candidate", "TU-SGD", "Thisinh#2026b"),
]


def seed(db: Session) -> list[tuple[str, str, str]]:
    """Create the demo units and accounts unless they exist; return the logins."""
    if db.scalar(select(User.id).where(User.username == "admin")) is None:
        for code, name, parent, kind in DEMO_UNITS:
            create_unit(db, code, name, parent, kind)
        for username, name, role, unit, password in DEMO_USERS:
            create_user(db, NewUser(username, role, name, unit, password))
        db.commit()
    seed_banks(db)
    room_code = seed_exam(db)
    if room_code:
        log.info("demo exam for candidate1 and candidate2: room code %s", room_code)
    contest_id = seed_contest(db)
    if contest_id:
        log.info("demo contest, open to anyone: /contests/%s", contest_id)
    return [(u, p, r) for u, _, r, _, p in DEMO_USERS]
