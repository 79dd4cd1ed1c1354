"""The simulator: the city around the hall, talking to the server only through its public HTTP API.

Rooms of the city, one module each:

- ``clock``: the run's two clocks (real seconds decide volumes, simulated seconds at ``--speed``
  decide how long things take), daily profiles, and seeded arrival processes;
- ``credentials``: the accounts file ``cityops seed --demo --credentials`` writes;
- ``client``: HTTP with retries, logins and token refresh, each user's outbox of intents;
- ``iot``: the IoT platform — sensors placed in the real district polygons, their readings,
  background incidents, pushed in batches to the ingest API;
- ``people``: citizens (Open311), information collectors, the auto-dispatcher, handling units,
  supervisors and the device operator; they learn case states by pulling the changes log;
- ``gateway``: the device gateway of the 273 LED screens and the lighting circuits;
- ``scenarios``: ``normal``, ``storm``, ``gas-leak``, ``flood-of-reports``, ``blackout``;
- ``runner``: ``SimConfig``, ``Stats``, ``build_world`` (the pure generators) and ``run``.

Every generator is pure: a seeded ``random.Random`` per stream, events placed on the run's
timeline in advance, so the same seed gives the same readings, reports and decisions whatever
the server answers and however fast it answers. Timestamps sent are always real "now".
"""
