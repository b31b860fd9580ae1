"""The course as files: the manifest (course.toml), the notes, the solutions
loader and the stub builder.

Imports only the standard library and rnncourse.errors (numpy where a solution
is loaded); never sandbox/, checking/, grading/, reports/, quiz/ or cli/.
"""
