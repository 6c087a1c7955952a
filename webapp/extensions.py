"""Flask extensions, created unbound and initialised in create_app."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from webapp.db import Base
from webapp.limits import client_address

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=client_address, default_limits=[], headers_enabled=True)
babel = Babel()
api = Api()
