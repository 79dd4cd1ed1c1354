"""CityOps Command Hall: the command-centre client of a city's operations hall and its sync server.

Rooms (see docs/architecture.md): ``domain`` holds the city's rules and reference data, pure Python.
The other rooms (server, simulator, local_store, sync, widgets, desktop) build on it.
"""

__version__ = "0.1.0"
