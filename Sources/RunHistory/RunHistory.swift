// Module RunHistory.
