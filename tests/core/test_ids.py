import re
import uuid

from eventyard.core import ids

CANONICAL = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_uuid4_is_a_canonical_random_version_4_uuid() -> None:
    made = [ids.uuid4() for _ in range(2000)]
    assert len(set(made)) == len(made)
    for text in made:
        assert CANONICAL.match(text), text
        parsed = uuid.UUID(text)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
        assert str(parsed) == text


def test_request_and_event_ids_are_uuids() -> None:
    assert CANONICAL.match(ids.request_id()) and CANONICAL.match(ids.event_id())


def test_threads_and_forked_children_draw_different_ids() -> None:
    import os
    import threading

    ids.uuid4()  # this thread's pool is filled before the fork and the threads
    made: list[str] = []
    threads = [threading.Thread(target=lambda: made.extend(ids.uuid4() for _ in range(500))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child writes its next ids and leaves at once
        os.write(write, "\n".join(ids.uuid4() for _ in range(50)).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as child:
        made += child.read().split("\n")
    made += [ids.uuid4() for _ in range(50)]
    assert len(made) == 2100 and len(set(made)) == len(made)
