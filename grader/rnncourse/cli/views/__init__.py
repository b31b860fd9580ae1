"""Rich views: check results, quiz questions and scores, the labs' tables and
charts. Pure rendering: they take results and return renderables.
"""
