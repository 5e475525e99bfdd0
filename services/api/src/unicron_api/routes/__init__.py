"""The API's routes, a module per resource: ``jobs`` (and their runs), ``tasks``, ``admin`` (API
keys), ``meta`` (version and health probes). Each route parses, calls the store, and answers its
own envelope type: the operation ids, summaries and error answers here are the contract the Python
client is generated from."""
