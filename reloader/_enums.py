"""Keep an old enum's members the members when its class is patched.

New code that names `Color.RED` must get the very member old objects hold:
the old members are mapped as canonical for the new ones, a member whose
value changed takes the new value (plain enums only), a new member joins the
old class and a removed one leaves it (reported). Changes to the member
tables are journaled.

It must not touch anything but the old enum class and its members.
"""

from typing import Any, Dict, List, Tuple

from ._canonical import Canon
from ._journal import Journal
from ._pairing import qualname


def update_enum(old: Any, new: Any, canon: Canon, journal: Journal, notes: Dict[str, str]) -> None:
    # The old members stay the members: new code that names Color.RED gets
    # the very member old objects hold.
    old_map, new_map = old._member_map_, new._member_map_
    if _same_members(old_map, new_map):
        mapped, canonical = canon.new, canon.old
        for name, member in new_map.items():  # the usual case: same members, values
            mapped[id(member)] = member  # canon.map, inline
            canonical[id(member)] = old_map[name]
        _pseudo_members(old, new, canon, journal)
        return
    saved = (dict(old_map), list(old._member_names_), dict(old._value2member_map_))
    try:
        _reconcile(old, new, canon, journal, notes)
    except BaseException:
        _restore_enum(old, saved)
        raise
    journal.log(_restore_enum, old, saved)


def _same_members(old_map: Dict[str, Any], new_map: Dict[str, Any]) -> bool:
    """Whether both enums have the same member names, each with an equal value."""
    if len(old_map) != len(new_map):
        return False
    missing = object()
    for name, member in new_map.items():  # a loop, not all(...): this runs for every enum
        current = old_map.get(name, missing)
        if current is missing or current._value_ != member._value_:
            return False
    return True


def _pseudo_members(old: Any, new: Any, canon: Canon, journal: Journal) -> None:
    # Flag combinations the new code made at import (READ | WRITE): the old
    # enum's own where it has one, else of the old enum.
    new_values = new._value2member_map_
    if len(new_values) <= len(new._member_names_):
        return  # one value per member: no combination was made
    old_values = old._value2member_map_
    for value, member in list(new_values.items()):
        if type(member) is not new or canon.get(member) is not member:
            continue
        try:
            current = old_values.get(value)
        except TypeError:  # an unhashable value
            continue
        if type(current) is old:
            canon.map(member, current)
        else:
            journal.set_class(member, old)


def _reconcile(
    old: Any, new: Any, canon: Canon, journal: Journal, notes: Dict[str, str]
) -> None:
    old_map, new_map = old._member_map_, new._member_map_
    for name, member in new_map.items():
        current = old_map.get(name)
        if current is not None:
            canon.map(member, current)
            if current._value_ != member._value_:
                if old._member_type_ is object:
                    before = current._value_
                    object.__setattr__(current, "_value_", member._value_)
                    journal.log(object.__setattr__, current, "_value_", before)
                else:
                    notes[qualname(old) + "." + name] = (
                        "its value changed and a {} member cannot change value in "
                        "place".format(old._member_type_.__name__)
                    )
            continue
        journal.set_class(member, old)
        old_map[name] = member
        old._member_names_.append(name)
        journal.set_class_attribute(old, name, member)
    for name in [n for n in old_map if n not in new_map]:
        notes[qualname(old) + "." + name] = (
            "the member was removed; objects holding it keep a member of no enum"
        )
        del old_map[name]
        if name in old.__dict__:
            journal.delete_class_attribute(old, name)
    old._member_names_[:] = [n for n in new._member_names_ if n in old_map]
    values = old._value2member_map_
    values.clear()
    for name in old._member_names_:
        member = old_map[name]
        try:
            values.setdefault(member._value_, member)
        except TypeError:
            pass  # unhashable values are looked up by a linear search


def _restore_enum(cls: Any, saved: Tuple[Dict[str, Any], List[str], Dict[Any, Any]]) -> None:
    members, names, values = saved
    cls._member_map_.clear()
    cls._member_map_.update(members)
    cls._member_names_[:] = names
    cls._value2member_map_.clear()
    cls._value2member_map_.update(values)
