#!/usr/bin/env python3
"""Runs schemathesis (installed beside this Python) with the given arguments."""
import os
import sys

tool = os.path.join(os.path.dirname(sys.executable), "schemathesis")
os.execv(tool, [tool, *sys.argv[1:]])
