"""Labs: experiments students run with their own cells (``rnncourse lab ...``).

The student's code runs in student processes (sandbox/process.py), as in the checks;
the labs only exchange plain arrays with it. Modules:

``student``    calling the student's functions and vetting what comes back
``setup``      weight initialisation shared by the labs
``vanishing``  how the gradient reaching h_0 shrinks with the number of steps
``adding``     the adding problem, trained with the student's cells
``training``   the course's linear readout and Adam optimizer
``plot``       the optional PNG (the rich views live in cli/views/labs.py)
"""
