"""The OpEmbed dashboard: ``streamlit run dashboard/app.py -- --runs-dir runs``."""
