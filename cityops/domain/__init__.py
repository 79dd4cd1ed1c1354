"""The city's rules, as data plus pure functions: no Qt, no SQL, no HTTP.

Offers to every other room (server, client, simulator, reports):
- ``reference``: the reference data in ``cityops/resources`` (taxonomy, units, evaluation items,
  devices), loaded and validated;
- ``cases``: the case state machine (``apply``), ``sla``: deadlines and their clocks,
  ``alarms``: ISA-18.2 alarm lifecycle and threshold rules, ``devices``/``lighting_schedule``:
  absolute device commands and astronomical schedules, ``ranking``: red/black district ranking,
  ``schemas``: the wire schemas shared by server and client.
"""
