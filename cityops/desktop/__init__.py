"""The Qt application: entry point, windows and their presenters (DESIGN §2, §5). Only this
room and ``widgets`` import Qt."""
