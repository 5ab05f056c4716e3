"""finews-crawler: Chinese financial news → deduplicated Jekyll posts and feeds."""
