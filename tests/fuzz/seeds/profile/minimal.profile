version = 1;
files = ( { path = "/etc/hosts"; } );
