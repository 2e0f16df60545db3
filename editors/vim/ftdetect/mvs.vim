" .mvs scripts of mvlang (music videos)
autocmd BufRead,BufNewFile *.mvs setfiletype mvs
