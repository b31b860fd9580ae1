"""Check modules, one per exercise id: ``rnncourse.checks.<exercise>``.

They are pytest test modules (functions named test_*, fixtures by argument
name) marked with ``rnncourse.checking.check``; see rnncourse/checking/.
"""
