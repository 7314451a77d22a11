"""Static files served by Dash (CSS, JS, icons, fonts), shipped as package data."""
