"""discord.py's wait for the servers after READY, ended with the gateway connection.

After READY discord.py waits for the servers' GUILD_CREATEs (`guild_ready_timeout` after the last) in
tasks of its own (one per shard, and one for them all), then dispatches `on_ready`. Those tasks outlived
a client stopped meanwhile: a READY read as the client closed starts one after anything in `close` could
cancel it, and Python 3.11's `asyncio.wait_for` swallows a cancellation that lands as a server arrives.
The task then dispatched `on_ready` on the closed client and failed there ("Task exception was never
retrieved", an ERROR whenever it was collected: in the tests, in whichever test ran then). Once the
gateway connection is over nothing reads a READY any more: `ended` stops them, and waits until they have.
"""

from __future__ import annotations

import asyncio


async def ended(state: object) -> None:
    """Cancel discord.py's waits after READY of `state` (a client's connection state) until they are done."""
    for task in (getattr(state, "_ready_task", None), *getattr(state, "_ready_tasks", {}).values()):
        while isinstance(task, asyncio.Task) and not task.done():
            task.cancel()  # again, should the last cancellation have been swallowed (see above)
            await asyncio.sleep(0)  # its turn to see it
