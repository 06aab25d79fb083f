"""Two-way sync between the repository's annotation files and a Label Studio project.

The repository holds the truth; Label Studio is where annotators work. `config` derives the
labelling interface from the schema, `convert` maps annotation sets to Label Studio results and
back without losing a field, `push`/`pull` move them over the API (`client`), `state` remembers
what was synced last so that neither side's work is overwritten silently, and `server` runs a
local Label Studio for annotators and for the tests.
"""
