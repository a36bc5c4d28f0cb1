from collections import Counter

from agora.evals.tasks import load_experts, load_tasks, misleading_profiles


def test_ids_are_unique_and_fields_valid() -> None:
    tasks = load_tasks()
    assert len({t.id for t in tasks}) == len(tasks)
    assert len({t.text for t in tasks}) == len(tasks)
    assert all(t.text.strip() and t.split in ("train", "test", "ambiguous") for t in tasks)


def test_domains_are_known_and_counts_met() -> None:
    experts = load_experts()
    known = {e.domain for e in experts}
    assert len(known) == len(experts) >= 8
    tasks = load_tasks()
    assert all(set(t.domains) <= known for t in tasks)
    clear = Counter(t.domains[0] for t in tasks if t.clear)
    assert set(clear) == known and min(clear.values()) >= 30
    ambiguous = [t for t in tasks if not t.clear]
    assert len(ambiguous) >= 60
    assert all(len(set(t.domains)) == 2 and t.split == "ambiguous" for t in ambiguous)
    assert all(t.split in ("train", "test") for t in tasks if t.clear)


def test_domain_names_do_not_give_clear_tasks_away() -> None:
    for task in (t for t in load_tasks() if t.clear):
        assert not any(d in task.text.lower() for d in task.domains), task


def test_misleading_profiles_mislead_three_experts() -> None:
    experts = load_experts()
    profiles = misleading_profiles(experts)
    changed = [e.name for e in experts if profiles[e.name] != e.expertise]
    assert sorted(changed) == ["chemistry", "law", "music"]
