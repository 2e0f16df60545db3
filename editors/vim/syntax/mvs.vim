" Vim syntax file
" Language:   mvs (mvlang's music-video scripts)
" Filenames:  *.mvs
" The keyword lists between the GENERATED markers are written by
" editors/generate.py from the grammar; edit that script, not the lists.

if exists("b:current_syntax")
  finish
endif

syntax case match

" BEGIN GENERATED (editors/generate.py)
syntax keyword mvsStatement age bpm camera cast character defaults downbeat
syntax keyword mvsStatement effect footage fps from image import key length
syntax keyword mvsStatement mark meter motion music mvs negative pick prompt
syntax keyword mvsStatement react ref scene seed sfx size snap song style
syntax keyword mvsStatement takes title to transition video
syntax keyword mvsKeyword at auto bar bass beat black blur brightness
syntax keyword mvsKeyword crossfade cut depth dip down dream ease end energy
syntax keyword mvsKeyword flash gain glow grain hue in in_out kick layer left
syntax keyword mvsKeyword linear morph octaves off onset out over pan right
syntax keyword mvsKeyword rotate shake smooth snare start strength until up
syntax keyword mvsKeyword vignette whip white zoom
syntax match mvsUnit contained "\%(\%(beats\|bars\|beat\|bar\|deg\|[dD][bB]\|ms\|b\|f\|s\)\>\|%\)"
" END GENERATED (editors/generate.py)

" A unit right after a number: 8 bars, 250ms, -6dB, 20%
syntax match mvsNumber "\<\d\+\%(\.\d\+\)\=\|\.\d\+" nextgroup=mvsUnit skipwhite
syntax match mvsSize "\<\d\+x\d\+\>"
syntax match mvsMeter "\<\d\+/\d\+\>"
syntax match mvsTime "\<\d\+:\d\d\%(:\d\d\)\=\%(\.\d\+\)\="

syntax match mvsOperator "->\|[+\-=@]"
syntax match mvsDelimiter "[{}();,]"

syntax match mvsDefinedName "\%(\<\%(scene\|character\|mark\)\s\+\)\@<=\h\w*"

syntax match mvsEscape contained "\\\_."
syntax match mvsReference contained "{\h\w*\%(@\%(\d\+\%(\.\d\+\)\=\|\.\d\+\)\)\=}"
syntax region mvsString start=+"+ skip=+\\.+ end=+"+ end=+$+ oneline contains=mvsEscape,mvsReference
syntax region mvsLongString start=+"""+ skip=+\\\_.+ end=+"""+ contains=mvsEscape,mvsReference

syntax match mvsComment "#.*$" contains=mvsTodo,@Spell
syntax keyword mvsTodo contained TODO FIXME XXX NOTE

" Long strings span lines; scripts are short, so parse from the top.
syntax sync fromstart

highlight default link mvsStatement Statement
highlight default link mvsKeyword Keyword
highlight default link mvsUnit Type
highlight default link mvsNumber Number
highlight default link mvsSize Number
highlight default link mvsMeter Number
highlight default link mvsTime Constant
highlight default link mvsOperator Operator
highlight default link mvsDelimiter Delimiter
highlight default link mvsDefinedName Function
highlight default link mvsEscape SpecialChar
highlight default link mvsReference Identifier
highlight default link mvsString String
highlight default link mvsLongString String
highlight default link mvsComment Comment
highlight default link mvsTodo Todo

let b:current_syntax = "mvs"
