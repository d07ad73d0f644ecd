"""moto's server, with DynamoDB's requests applied one at a time.

DynamoDB applies each write to an item atomically: a conditional write (a commit lease taken
"when free", a completion put "when absent") either sees the item as it is and writes, or
fails; two cannot both succeed. moto's threaded server runs concurrent requests on threads
that read, check and write its in-memory tables without a lock, so two conditional writes
racing on one item can both succeed (measured with moto 5.2.5: in 1 of 100 rounds of four
concurrent lease acquisitions, two took the lease). Every DynamoDB request here goes through
one lock, which is stronger than DynamoDB's per-item atomicity and never weaker. The other
services are left as moto serves them.
"""

import threading

from moto.dynamodb.responses import DynamoHandler
from moto.server import main

_lock = threading.Lock()
_call_action = DynamoHandler.call_action


def _one_at_a_time(self):  # type: ignore[no-untyped-def]
    with _lock:
        return _call_action(self)


DynamoHandler.call_action = _one_at_a_time

if __name__ == "__main__":
    main()
