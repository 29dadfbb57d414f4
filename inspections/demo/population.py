"""The demo's institutions (every level and category, in Zhengzhou's districts) and its site photos."""

from __future__ import annotations

import hashlib
import io
import random
from datetime import UTC, datetime
from typing import Any

from PIL import Image, ImageDraw

from inspections.demo.names import DISTRICTS, STREETS, TOWNS, uid


def demo_photos(rng: random.Random, count: int = 8) -> list[tuple[str, bytes, int, int]]:
    """A few synthetic site photos (JPEG): (sha256, bytes, width, height)."""
    photos = []
    for n in range(count):
        width, height = 1024, 768
        image = Image.new("RGB", (width, height), (rng.randint(150, 220), rng.randint(150, 220), rng.randint(150, 220)))
        draw = ImageDraw.Draw(image)
        for _ in range(30):
            x0, y0 = rng.randint(0, width), rng.randint(0, height)
            x1, y1 = x0 + rng.randint(20, 300), y0 + rng.randint(20, 200)
            colour = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
            draw.rectangle([x0, y0, x1, y1], fill=colour if n % 2 else None, outline=colour, width=4)
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=80)
        data = buffer.getvalue()
        photos.append((hashlib.sha256(data).hexdigest(), data, width, height))
    return photos


def make_institutions(rng: random.Random, count: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    names: set[str] = set()
    now = datetime(2020, 1, 1, tzinfo=UTC)
    n = 0
    while len(rows) < count:
        n += 1
        district = DISTRICTS[n % len(DISTRICTS)]
        roll = rng.random()
        if roll < 0.08:
            level, category, name = 3, "综合医院", f"{district}第{n}人民医院" if n > 8 else f"{district}人民医院"
        elif roll < 0.14:
            level, category, name = 3, "中医医院", f"{district}中医院（{n}）"
        elif roll < 0.30:
            level, category = 2, rng.choice(["综合医院", "中医医院", "妇幼保健院", "专科医院"])
            name = f"{district}{rng.choice(STREETS)}{category.replace('综合', '')}"
        elif roll < 0.62:
            level, category, name = 1, "社区卫生服务中心", f"{district}{rng.choice(STREETS)}社区卫生服务中心"
        elif roll < 0.90:
            level, category, name = 1, "乡镇卫生院", f"{district}{rng.choice(TOWNS)}卫生院"
        else:
            level, category, name = 0, "诊所", f"{district}{rng.choice(STREETS)}门诊部"
        if name in names:
            name = f"{name}（{n}号）"
        names.add(name)
        has_fever = level >= 2 or (level == 1 and rng.random() < 0.3)
        rows.append(
            {
                "id": uid(rng),
                "name": name,
                "code": f"YL{n:05d}",
                "level": level,
                "category": category,
                "district": district,
                "address": f"郑州市{district}{rng.choice(STREETS)}{rng.randint(1, 300)}号",
                "contact": f"院感科 0371-{rng.randint(60000000, 69999999)}",
                "has_fever_clinic": has_fever,
                "has_fever_sentinel": level == 1 and not has_fever,
                "active": True,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
    return rows
