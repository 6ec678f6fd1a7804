"""LiveQA: live "Citizen Asks, Manager Answers" sessions (the app factory is in liveqa.app)."""
