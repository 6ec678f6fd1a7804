"""The demo for `flask seed-demo`: its data (data.py), clock (timeline.py) and seeder."""
