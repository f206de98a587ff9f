"""One file per UI component: ``render()`` builds its widgets, ``listen()`` wires their events.

Components do not look each other up in a global store: :mod:`studio.layout` passes each
``listen()`` the widgets it reacts to.
"""
