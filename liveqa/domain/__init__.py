"""The domain: verbs that change LiveQA's state, and the rules they enforce."""
