"""Label Studio hotkeys for label buttons, derived: any number of labels gets distinct keys (pure).

The keys were a hand list in the config, and an eleventh entity type got none (issue 26). Here each
Labels control first takes the free keys of its own keyboard row (a layer's labels sit together), then
labels still without a key take the next free key of the pool; a label never gets one of Label Studio's
own single keys (`EDITOR_KEYS`) or a key the caller reserves (the layer choice's).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

#: Single keys Label Studio 1.23 binds itself (its keymap, `core/settings/keymap.json`: `u` unselects the region;
#: the image tools' letters h o e m k w p r v b and `[` `]`): a label never gets one of them.
EDITOR_KEYS = frozenset("uhoemkwprvb[]")
#: Label Studio's own shift combinations (zoom to fit, zoom to actual size, the 3-point rectangle).
_EDITOR_SHIFT_KEYS = frozenset({"shift+1", "shift+2", "shift+r"})
#: Keys in the order spare ones are handed out: digits, then the keyboard's letter rows; once these are used
#: up, shift+ each, so about fifty labels get a key.
_SINGLE_KEYS = "1234567890qwertyuiopasdfghjklzxcvbnm"


def assign(labels: Mapping[str, Iterable[str]], rows: Mapping[str, str], reserved: Iterable[str] = ()) -> dict[str, list[str]]:
    """Each control's label keys, in label order: first the free keys of its row, then the pool's next free ones.

    Only label sets larger than the whole pool leave labels without a key (the list is then shorter).
    """
    single = [k for k in _SINGLE_KEYS if k not in EDITOR_KEYS | set(reserved)]
    pool = [*single, *(f"shift+{k}" for k in single if f"shift+{k}" not in _EDITOR_SHIFT_KEYS)]  # in the order spare ones go
    wanted = {control: list(values) for control, values in labels.items()}
    used: set[str] = set()
    out: dict[str, list[str]] = {control: [] for control in wanted}
    for control, values in wanted.items():
        for key in (k for k in rows.get(control, "") if k in pool):
            if len(out[control]) == len(values):
                break
            if key not in used:
                used.add(key)
                out[control].append(key)
    spare = iter(k for k in pool if k not in used)
    for control, values in wanted.items():
        while len(out[control]) < len(values) and (key := next(spare, None)) is not None:
            out[control].append(key)
    return out
