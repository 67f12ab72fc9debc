"""Read models and rollups for supervisors: volumes, time, burden saved, satisfaction (issue 17)."""
